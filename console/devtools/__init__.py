"""The demo, its fixed scene, and the screenshots script."""
