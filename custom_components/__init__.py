"""Home Assistant's folder of custom integrations; a package so tests import it."""
