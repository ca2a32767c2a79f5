"""Tests of the SmartSense API client, over HTTP to the simulator."""
