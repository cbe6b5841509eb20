from likvard.cli.main import app

app()
