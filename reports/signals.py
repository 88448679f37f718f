"""What the reports app tells the apps above it.

A rendering's outcome is written with an update (a claim-safe write, so no
``post_save``): ``rendering_finished`` is sent once it is committed, ready or
failed, for anything that shows a report's PDF (the public pages' cache).
"""

from django.dispatch import Signal

# Sent with rendering_id once a rendering is committed as ready or failed.
rendering_finished = Signal()
