"""Database backends of the project: Django's own, with the changes their modules explain."""
