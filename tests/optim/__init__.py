"""Tests of the optim package."""
