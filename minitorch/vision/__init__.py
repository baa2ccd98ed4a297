"""The torchvision part of the course: ``transforms`` and ``datasets``."""
