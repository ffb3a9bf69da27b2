"""The rules of booked visits, pure Python (no Flask, no SQLAlchemy): the NIK's structure
and its keyed hash (`nik`), booking codes (`codes`) and the slots a service offers on a day
(`slots`)."""
