"""Prints, for every day of the years given, the date and 1 (working) or 0 (not) according to
the Python `holidays` package: the independent cross-check of calendar.md."""
import datetime
import sys

import holidays

first, last = int(sys.argv[1]), int(sys.argv[2])
kz = holidays.country_holidays("KZ", years=range(first, last + 1))
day = datetime.date(first, 1, 1)
print(f"# holidays {holidays.__version__}")
while day.year <= last:
    print(day.isoformat(), 1 if kz.is_working_day(day) else 0)
    day += datetime.timedelta(days=1)
