"""The visitor's booking pages: choose a service, a day and a slot; see the booking with its
QR code; cancel, reschedule, add it to the phone's calendar."""
