"""A day of the mall in seconds: scenarios, the simulated day driven through the real
`QueueService`, the report (waits, utilisation, ETA accuracy) and capacity planning.

`model` is the pure model of time and chance (clock, arrivals, service times); `scenario`
reads and checks a scenario file; `day` drives the real system; `oracle` is the best estimate
any model could give; `report` and `plan` turn runs into figures.
"""
