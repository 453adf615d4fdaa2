"""The helm controller: HelmReleases released with the helm CLI, stored as Helm stores them."""
