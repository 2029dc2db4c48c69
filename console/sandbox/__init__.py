"""A faithful local AWS for the demo and the tests: moto behind a gateway, plus IMDSv2.

``Sandbox(SandboxOptions(...)).start()`` runs everything on loopback in this process; its
``env`` makes any AWS SDK act as the story's EC2 host. See ``console.sandbox.sandbox``.
"""

from console.sandbox.sample_course import write_sample_course
from console.sandbox.sandbox import Sandbox, SandboxOptions

__all__ = ["Sandbox", "SandboxOptions", "write_sample_course"]
