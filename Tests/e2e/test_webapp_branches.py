"""Branches like ChatGPT: regenerate an answer, edit a question, switch between versions."""

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By


def switcher_label(article) -> str:
    return article.find_element(By.CSS_SELECTOR, ".version-label").text.replace(" ", "")


def test_regenerate_adds_a_version_and_the_switcher_moves_between_them(browser, server, user):
    session = browser.login_with_cookie(user)
    browser.send("Pick a number")
    first = browser.wait_answer("complete", count=1)
    first_id = first.get_attribute("data-id")

    first.find_element(By.CSS_SELECTOR, ".msg-regenerate").click()

    second = browser.wait(lambda d: (a := browser.wait_answer("complete", count=1)).get_attribute("data-id") != first_id
                          and a, 20, "no new version")
    second_id = second.get_attribute("data-id")
    assert switcher_label(second) == "2/2"

    second.find_element(By.CSS_SELECTOR, ".version-prev").click()
    shown = browser.wait(lambda d: (a := browser.last_answer()).get_attribute("data-id") == first_id and a, 5,
                         "previous version not shown")
    assert switcher_label(shown) == "1/2"

    # The choice is remembered on the server: a reload shows the first version again.
    conversation_id = browser.conversation_id()
    browser.wait(lambda d: session.get(f"{server.base_url}/api/conversations/{conversation_id}", timeout=5)
                 .json().get("current_leaf_id") == first_id, 5, "current_leaf_id not saved")
    browser.driver.refresh()
    browser.wait_app()
    shown = browser.wait(lambda d: (a := browser.last_answer()) is not None and a.get_attribute("data-id") == first_id
                         and a, 10, "reload lost the chosen version")
    assert switcher_label(shown) == "1/2"
    shown.find_element(By.CSS_SELECTOR, ".version-next").click()
    browser.wait(lambda d: browser.last_answer().get_attribute("data-id") == second_id, 5, "next version not shown")


def test_edit_and_resend_makes_a_new_branch_and_keeps_the_old_one(browser, user):
    browser.login_with_cookie(user)
    browser.send("Original question [[mock:reply=Answer A]]")
    browser.wait_answer("complete", count=1)
    browser.send("Follow-up [[mock:reply=Answer A2]]")
    browser.wait_answer("complete", count=2)
    first_question = browser.messages("user")[0]

    ActionChains(browser.driver).move_to_element(first_question).perform()
    first_question.find_element(By.CSS_SELECTOR, ".msg-edit").click()
    editor = browser.visible("#messages .edit-input")
    editor.clear()
    editor.send_keys("Edited question [[mock:reply=Answer B]]")
    browser.find("#messages .edit-send").click()

    browser.wait(lambda d: [browser.answer_text(a) for a in browser.messages("assistant")] == ["Answer B"]
                 and browser.last_answer().get_attribute("data-status") == "complete", 20, "edited branch not shown")
    edited = browser.messages("user")[0]
    assert edited.find_element(By.CSS_SELECTOR, ".user-bubble").text == "Edited question [[mock:reply=Answer B]]"
    assert switcher_label(edited) == "2/2"

    edited.find_element(By.CSS_SELECTOR, ".version-prev").click()
    browser.wait(lambda d: [browser.answer_text(a) for a in browser.messages("assistant")] == ["Answer A", "Answer A2"],
                 5, "old branch not shown")
    assert [m.text for m in browser.find_all("#messages .user-bubble")] == [
        "Original question [[mock:reply=Answer A]]", "Follow-up [[mock:reply=Answer A2]]"]
    assert switcher_label(browser.messages("user")[0]) == "1/2"


def test_a_message_after_a_failed_answer_continues_the_chat(browser, user):
    """Before: the next message became version 2/2 of the failed question and hid it."""
    browser.login_with_cookie(user)
    browser.send("This will fail [[mock:fail=500]]")
    browser.wait(lambda d: browser.find_all(".msg-note-error"), 20, "no error shown")
    browser.wait_idle()

    browser.send("Second question")
    browser.wait_answer("complete", count=2)

    def check():
        questions = browser.messages("user")
        assert [q.find_element(By.CSS_SELECTOR, ".user-bubble").text for q in questions] == [
            "This will fail [[mock:fail=500]]", "Second question"]
        assert not browser.find_all("#messages .version-label")
        assert len(browser.find_all(".msg-note-error")) == 1
    check()
    # The server agrees: a reload shows the same chat.
    browser.driver.refresh()
    browser.wait_answer("complete", count=2)
    check()

