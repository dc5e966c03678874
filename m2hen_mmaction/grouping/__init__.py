"""Group training (paper §2.3): parts A-D, trainsets with OTHERS, label maps
and the Eq. 5 ensemble with its alpha search on val."""
