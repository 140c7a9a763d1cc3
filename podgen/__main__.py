from podgen.cli import main

main()
