"""Survey and revisit planning, and airspace audit of flown tracks."""
