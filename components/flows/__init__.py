"""What a visitor can do, as functions that know nothing of HTTP: they take
plain values and the app's services and return a `Success` or a `Failure`."""
