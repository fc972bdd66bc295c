"""Where state lives: the database, accounts and rate-limit counters."""
