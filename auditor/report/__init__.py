"""Renderers: JSON is the source of truth; text, CSV and HTML render from the JSON form of a result."""
