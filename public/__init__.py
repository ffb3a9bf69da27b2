"""The public phone pages: the service catalogue (/layanan) and numbers from home."""
