"""Storage: SQLAlchemy models, migrations and repository functions that take a Session."""
