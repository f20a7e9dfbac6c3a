"""Reference data of Dortmund (districts, offices, venues, topics) and the demo content."""
