"""Use cases that change state, one module each, every one telling its own story:

- `unit`: the machinery all of them share (written once): the unit of work, the version
  bump, the append-only event rows, publishing after commit, refusals and the audit log;
- `issuing`: a visitor takes a ticket (group commit on SQLite, Idempotency-Keys);
- `calling`: a counter calls the next visitor, or one chosen ticket;
- `ticket_actions`: recall, start, finish, no-show, hold, resume, cancel, transfer;
- `counters`: open, break, close, and closing a disabled officer's counters;
- `services`: an admin closes or reopens a service for the day;
- `printing`: a kiosk's print jobs and its printer's health;
- `setup`: the tables and state rows a mall needs before anything else.

They answer with read models from `core/views/`, built inside the same transaction, and
never build one themselves.
"""
