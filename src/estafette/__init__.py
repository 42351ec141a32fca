"""Estafette: the relay of re-integration after detention, made visible."""
