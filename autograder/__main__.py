from .cli import instructor_main

if __name__ == "__main__":
    instructor_main()
