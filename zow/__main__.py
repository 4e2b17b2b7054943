from zow.cli import app

app()
