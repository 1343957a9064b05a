"""Quality evaluation on human gold data: readers (:mod:`.gold`), metrics (:mod:`.metrics`), the
systems compared (:mod:`.systems`: our stages and off-the-shelf baselines), the runner
(:mod:`.run`) and the ``corpus-builder evaluate`` CLI (:mod:`.cli`)."""
