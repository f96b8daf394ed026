"""Crisis safety: detection of crisis language, resources, and (later) the safety plan.

`assess_text` is the one entry point every service that stores free text calls.
"""

from mindhaven.safety.assess import Assessment, Level, Reason, assess_text

__all__ = ["Assessment", "Level", "Reason", "assess_text"]
