"""End-to-end tests: Home Assistant and the simulator as real processes."""
