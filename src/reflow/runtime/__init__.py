"""The controller runtime: informers, work queue, reconcile loop, status, events, leader election."""
