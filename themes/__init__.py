"""The default themes, shipped as package data (this folder maps to generator.themes)."""
