"""image-reflector-controller (ImagePolicy) and image-automation-controller (ImageUpdateAutomation)."""
