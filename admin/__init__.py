"""The management pages (`/admin`): live dashboard, officers, devices, services, displays."""
