"""The synthetic public-information register of the site benchmarks: N documents with the
columns of the register fixture (generator/tests/fixtures/site/public-information-register),
seeded, so bench/site.sh and bench/publish.sh build the same portal.

Usage: python3 bench/gen_register.py N OUT.csv
"""
import csv
import random
import sys

n, path = int(sys.argv[1]), sys.argv[2]
random.seed(7)
kinds = ["рішення", "розпорядження", "лист", "програма", "наказ"]
issuers = ["Київська міська рада", "Київська міська державна адміністрація",
           "Департамент інформаційно-комунікаційних технологій", "Апарат виконавчого органу Київської міської ради"]
with open(path, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["document_id", "kind", "number", "date", "issuer", "title", "status", "source_document", "source_url"])
    for i in range(n):
        year = random.randint(2010, 2024)
        w.writerow([f"doc-{i:06d}", random.choice(kinds), f"{random.randint(1, 9999)}/{random.randint(1, 99999)}",
                    f"{year}-{random.randint(1, 12):02d}-{random.randint(1, 28):02d}", random.choice(issuers),
                    f"Про затвердження заходів щодо розвитку електронного урядування № {i}",
                    random.choice(["чинний", "архівний"]), "seeds/000_2cfcc5f77b51a89a.txt", ""])
