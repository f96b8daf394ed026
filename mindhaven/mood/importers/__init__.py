"""Readers for other mood trackers' exports: pure functions from file content to rows.

One module per source. A reader knows the file format and nothing about the database;
the import service in mindhaven.mood.imports turns its rows into entries.
"""
