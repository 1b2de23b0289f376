def main() -> None:
    print("vlaplan")
