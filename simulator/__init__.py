"""A local SmartSense API (auth and the modelled data contract) for tests and demos."""

from .config import Account, SimConfig
from .contract import DELETE
from .server import Simulator

__all__ = ["DELETE", "Account", "SimConfig", "Simulator"]
