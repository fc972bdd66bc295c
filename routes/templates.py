"""The Jinja2 environment every page and fragment is rendered with."""

from pathlib import Path

from jinja2 import StrictUndefined
from starlette.templating import Jinja2Templates

from routes.assets import static_url

templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
templates.env.undefined = StrictUndefined
templates.env.globals["static"] = static_url
