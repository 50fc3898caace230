from statehub.cli import main

main()
