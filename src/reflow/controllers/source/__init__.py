"""The source controller: Git (and later OCI, Bucket, Helm) sources turned into artifacts served over HTTP."""
