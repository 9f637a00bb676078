"""Date formats for English pages (the admin): ISO-like, to the second, with the time zone.

Django's own English format ("Dec. 6, 2026, 10:50 p.m.") names no time zone; an operator
comparing the admin with logs and mails (all UTC, ISO-like) needs the zone and the seconds.
Only the formats set here change; the rest stay Django's.
"""

DATETIME_FORMAT = "Y-m-d H:i:s T"
SHORT_DATETIME_FORMAT = "Y-m-d H:i T"
DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
