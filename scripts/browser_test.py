#!/usr/bin/env python3
"""The lab in a real browser: headless Chromium (Debian's chromium + chromium-driver) driven by Selenium.

Starts `backprop lab --port 0` on Fashion-MNIST (or BACKPROP_LAB_DATA), opens the printed URL, clicks
Forward and Backward through buy-apple and reads the numbers from the page, steps the sigmoid graph,
runs the gradient check, looks inside the network, trains for a few dozen iterations and watches the
curve grow with the confusion matrix and misclassified images of each epoch end, runs a book experiment
from the gallery, and saves a screenshot of each view under docs/lab/. Fails (never skips) when the browser
or the driver is missing.

    scripts/browser_test.py [path/to/backprop]      (default .build/debug/backprop)
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHOTS = os.path.join(ROOT, "docs", "lab")


def fail(message):
    print("browser test: FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def find(names):
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


def start_lab(binary):
    data = os.environ.get("BACKPROP_LAB_DATA", "/usr/share/datasets/fashion-mnist")
    save = os.path.join(ROOT, ".build", "lab-browser-test.safetensors")
    process = subprocess.Popen([binary, "lab", "--port", "0", "--data", data, "--iterations", "2000", "--train-limit", "2000", "--save", save],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    match = re.search(r"(http://\S+)", line)
    if not match:
        process.kill()
        fail("backprop lab printed no URL: " + line + process.stderr.read())
    return process, match.group(1), save


def edge_cell(driver, table, label, column):
    """The forward (1) or gradient (2) cell of the edge row labelled `label` ("apple → ×")."""
    for row in driver.find_elements(By.CSS_SELECTOR, "#" + table + " tbody tr"):
        cells = row.find_elements(By.TAG_NAME, "td")
        if cells[0].text == label:
            return cells[column].text
    fail("no edge " + label + " in #" + table)


def click(driver, element_id, times=1, wait_text=None):
    for _ in range(times):
        before = driver.find_element(By.ID, "steps").text
        driver.find_element(By.ID, element_id).click()
        WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "steps").text != before)


def expect(name, got, wanted):
    if got != wanted:
        fail("%s: the page shows %r, expected %r" % (name, got, wanted))
    print("browser test: %s = %s" % (name, got))


def graphs(driver):
    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#graph-svg svg"))
    click(driver, "forward", 2)
    expect("buy-apple forward: apple price", edge_cell(driver, "edges", "× → ×", 1), "200")
    expect("buy-apple forward: price", edge_cell(driver, "edges", "× → price", 1), "220")
    click(driver, "backward", 3)
    expect("buy-apple backward: ∂price/∂apple", edge_cell(driver, "edges", "apple → ×", 2), "2.2")
    expect("buy-apple backward: ∂price/∂apple_num", edge_cell(driver, "edges", "apple_num → ×", 2), "110")
    expect("buy-apple backward: ∂price/∂tax", edge_cell(driver, "edges", "tax → ×", 2), "200")
    driver.find_element(By.CSS_SELECTOR, '#graph-svg g.node[data-node="2"]').click()
    detail = driver.find_element(By.ID, "node-detail").text
    if "dout · y = 1.1 · 2 = 2.2" not in detail or "dout · x = 1.1 · 100 = 110" not in detail:
        fail("the × node's arithmetic is not shown: " + detail)
    print("browser test: node detail shows dout · x = 1.1 · 100 = 110")
    driver.find_element(By.ID, "check").click()
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#check-table tbody tr"))
    driver.save_screenshot(os.path.join(SHOTS, "graphs-buy-apple.png"))

    driver.find_element(By.CSS_SELECTOR, '#graph-choice button[data-graph="sigmoid"]').click()
    WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "steps").text.startswith("forward 0/4"))
    click(driver, "forward", 4)
    click(driver, "backward", 5)
    expect("sigmoid backward: ∂L/∂x at x = 0.5", edge_cell(driver, "edges", "x → ×", 2), "0.235004")
    driver.find_element(By.CSS_SELECTOR, '#graph-svg g.node[data-node="5"]').click()
    driver.save_screenshot(os.path.join(SHOTS, "graphs-sigmoid.png"))


def network(driver):
    driver.find_element(By.ID, "tab-network").click()
    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#net-svg svg"))
    driver.find_element(By.ID, "net-all").click()
    WebDriverWait(driver, 30).until(lambda d: "backward" in d.find_element(By.ID, "net-steps").text
                                    and d.find_element(By.ID, "net-steps").text.split("backward ")[1].split("/")[0] != "0")
    driver.find_element(By.CSS_SELECTOR, '#net-svg g.node[data-node="1"]').click()
    detail = driver.find_element(By.ID, "net-detail").text
    if "mean" not in detail:
        fail("the network's first layer shows no statistics: " + detail)
    if not driver.find_elements(By.CSS_SELECTOR, "#net-histogram svg"):
        fail("the network's first layer shows no histogram")
    print("browser test: the network view shows Affine1's statistics and histogram")
    driver.save_screenshot(os.path.join(SHOTS, "network.png"))
    index = driver.find_element(By.ID, "predict-index")
    index.clear()
    index.send_keys("1")
    driver.find_element(By.ID, "predict").click()
    WebDriverWait(driver, 20).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#prediction-table tbody tr")) == 10)
    total = sum(float(row.find_elements(By.TAG_NAME, "td")[1].text)
                for row in driver.find_elements(By.CSS_SELECTOR, "#prediction-table tbody tr"))
    if abs(total - 1) > 0.002:
        fail("the probabilities of test image 1 add up to %f" % total)
    print("browser test: test image 1's ten probabilities add up to %.4f" % total)
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(os.path.join(SHOTS, "network-predict.png"))


def training(driver):
    driver.find_element(By.ID, "tab-training").click()
    WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "train-live").text == "live")
    status = driver.find_element(By.ID, "train-status")
    driver.find_element(By.ID, "train-start").click()
    WebDriverWait(driver, 40).until(lambda d: int(status.get_attribute("data-iteration") or 0) >= 10)
    points_early = int(status.get_attribute("data-points"))
    WebDriverWait(driver, 40).until(lambda d: int(status.get_attribute("data-iteration") or 0) >= 60)
    driver.find_element(By.ID, "train-pause").click()
    WebDriverWait(driver, 10).until(lambda d: status.get_attribute("data-state") == "paused")
    points_late = int(status.get_attribute("data-points"))
    if points_late <= points_early:
        fail("the loss curve did not grow: %d points, then %d" % (points_early, points_late))
    print("browser test: the loss curve grew from %d to %d points (iteration %s)"
          % (points_early, points_late, status.get_attribute("data-iteration")))
    evaluation(driver)
    paused_at = int(status.get_attribute("data-iteration"))
    driver.find_element(By.ID, "train-step").click()
    WebDriverWait(driver, 20).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#update-table tbody tr")) == 4)
    # The button's reply and the stream arrive in either order; the page must keep the newer state, so
    # the table is still there after more than one stream interval, at one iteration past the pause.
    time.sleep(1)
    rows = len(driver.find_elements(By.CSS_SELECTOR, "#update-table tbody tr"))
    if rows != 4 or int(status.get_attribute("data-iteration")) != paused_at + 1:
        fail("after a single step the page shows %d update rows at iteration %s, not 4 at %d"
             % (rows, status.get_attribute("data-iteration"), paused_at + 1))
    print("browser test: a single step shows how far W1, b1, W2 and b2 moved (iteration %d to %d)" % (paused_at, paused_at + 1))
    driver.find_element(By.ID, "train-save").click()
    WebDriverWait(driver, 20).until(lambda d: "saved iteration" in status.text)
    driver.save_screenshot(os.path.join(SHOTS, "training.png"))


def evaluation(driver):
    """The last epoch end's confusion matrix (its cells sum to the test set) and misclassified images."""
    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#confusion-table tbody td"))
    table = driver.find_element(By.ID, "confusion-table")
    cells = [int(td.text) for td in table.find_elements(By.CSS_SELECTOR, "tbody td")]
    count = int(table.get_attribute("data-count"))
    if len(cells) != 100 or sum(cells) != count:
        fail("the confusion matrix has %d cells summing to %d, not 10 × 10 summing to %d" % (len(cells), sum(cells), count))
    captions = [t for t in driver.find_elements(By.CSS_SELECTOR, "#misclassified svg text") if "guess" in t.text]
    if not 1 <= len(captions) <= 20:
        fail("%d misclassified images captioned, not 1 to 20" % len(captions))
    driver.execute_script("document.getElementById('evaluation').scrollIntoView()")
    driver.save_screenshot(os.path.join(SHOTS, "training-evaluation.png"))
    driver.execute_script("window.scrollTo(0, 0)")
    print("browser test: at iteration %s the confusion matrix sums to %d test images; %d misclassified shown"
          % (table.get_attribute("data-iteration"), count, len(captions)))


def book(driver):
    """The Book view: the gallery lists the catalog; Run on numerical-diff shows figure 4-7 and its lines."""
    driver.find_element(By.ID, "tab-book").click()
    WebDriverWait(driver, 10).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".book-card")) >= 10)
    cli_only = [c.text for c in driver.find_elements(By.CSS_SELECTOR, ".book-card .cli")]
    driver.find_element(By.CSS_SELECTOR, "button[data-run='numerical-diff']").click()
    lines = driver.find_element(By.ID, "book-lines")
    WebDriverWait(driver, 20).until(lambda d: lines.get_attribute("data-name") == "numerical-diff")
    if "numerical_diff(function_1, 5) = 0.1999" not in lines.text:
        fail("numerical-diff printed: " + lines.text)
    if not driver.find_elements(By.CSS_SELECTOR, "#book-figure svg"):
        fail("numerical-diff's figure is not drawn")
    print("browser test: the book gallery lists %d experiments (%d from the CLI only); numerical-diff ran and drew its figure"
          % (len(driver.find_elements(By.CSS_SELECTOR, ".book-card")), len(cli_only)))
    driver.save_screenshot(os.path.join(SHOTS, "book.png"))


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "debug", "backprop")
    browser = find(["chromium", "chromium-browser"])
    driver_path = find(["chromedriver"])
    if not browser or not driver_path:
        fail("chromium and chromium-driver are needed (scripts/setup.sh installs them)")
    os.makedirs(SHOTS, exist_ok=True)
    lab, url, save = start_lab(binary)
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"]:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        driver.get(url)
        graphs(driver)
        network(driver)
        training(driver)
        book(driver)
        if not os.path.exists(save):
            fail("the save button wrote no checkpoint at " + save)
    finally:
        driver.quit()
        lab.send_signal(signal.SIGINT)
        try:
            status = lab.wait(timeout=20)
        except subprocess.TimeoutExpired:
            lab.kill()
            fail("backprop lab did not stop on Ctrl-C")
    if status != 0:
        fail("backprop lab exited with status %d after Ctrl-C: %s" % (status, lab.stderr.read()))
    print("browser test: passed; screenshots in docs/lab/")


if __name__ == "__main__":
    main()
