from console.cli import main

if __name__ == "__main__":  # guarded: import workers start by importing this module again
    main()
