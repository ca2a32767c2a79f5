"""Tests of the SmartSense integration, its client and its simulator."""
