"""Read models: what the screens, the API and the events show. They read and never write.

- `tickets`: a ticket's public view (status page, events) and officer view (terminal);
- `calls`: one call as the display announces it, and the recent calls;
- `counters`: a counter's public state and everything an officer's terminal shows;
- `services`: the services overview (open, waiting, estimate, quota left);
- `snapshot`: the whole visible state of a mall or a zone, with its `version`;
- `printing`: print jobs of a ticket and a kiosk's last print outcome.

Every function takes the `MallContext` first and, where it runs inside a caller's
transaction, the open connection: a use case's answer and its event then show exactly the
state it committed.
"""
