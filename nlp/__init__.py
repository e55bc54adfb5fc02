"""Message classification: residents' messages in, routed findings out.

The package is pure: it reads its model and dictionary once at load time and
does no I/O afterwards. `python -m nlp train` rebuilds the shipped model and
`python -m nlp evaluate FILE.csv` scores it on a labelled CSV.
"""

from nlp.classifier import Classifier
from nlp.findings import Finding, Location

__all__ = ["Classifier", "Finding", "Location"]
