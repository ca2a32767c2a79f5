"""Tests of the SmartSense simulator on its own."""
