from licensehub.cli import main

main()
