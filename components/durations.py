"""Lengths of time in seconds: the unit of every setting, timestamp and cookie age."""

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR
YEAR = 365 * DAY
