from likvard.cli.entry import main

main()
