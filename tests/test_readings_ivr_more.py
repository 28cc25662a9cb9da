"""More readings of real IVR prompt lists (Asterisk, Amazon Connect) that were wrong: a day before "of
Month" moved after it, time zones after a time read as letters or dropped the time's reading, vanity
numbers, Indian lakh and crore amounts and one-time codes, Australian 13/1300/1800 numbers, "w/", "@",
"AT&T", "99¢", durations, masked card numbers, "min." and "max.", tax forms, and "A $10 fee"."""

from __future__ import annotations

import pytest

from narrate.text.normalize import normalize


def _reads(language: str, written: str, spoken: str) -> None:
    assert normalize(written, language) == spoken
    assert normalize(spoken, language) == spoken  # idempotent: the reading reads as itself


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-US", "on the 3rd of March", "on the third of March"),
    ("en-US", "Due on the 21st of June.", "Due on the twenty-first of June."),
    ("en-US", "from the 1st of May 2027", "from the first of May twenty twenty-seven"),
    ("en-GB", "on the 3rd of March", "on the third of March"),
    ("en-US", "on March 3rd", "on March third"),  # unchanged: the month first
])
def test_a_day_before_of_month_keeps_its_place(language, written, spoken):
    _reads(language, written, spoken)


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-US", "Call us at 9 a.m. ET.", "Call us at nine AM Eastern Time."),
    ("en-US", "Open until 5 PM PST.", "Open until five PM Pacific Standard Time."),
    ("en-US", "Call at 10am CT today.", "Call at ten AM Central Time today."),
    ("en-US", "From 8:30 a.m. to 5 p.m. MT, Monday", "From eight thirty AM to five PM Mountain Time, Monday"),
    ("en-US", "Open till 6 PM EDT.", "Open till six PM Eastern Daylight Time."),
    ("en-GB", "We open at 14:00 GMT+1.", "We open at two PM G M T plus one."),
    ("en-GB", "Lines close at 8 p.m. BST.", "Lines close at eight PM British Summer Time."),
    ("en-US", "Starts at 14:00 UTC.", "Starts at two PM U T C."),
    ("en-AU", "Open 9am AEST weekdays.", "Open nine AM Australian Eastern Standard Time weekdays."),
    ("en-IN", "Call by 6 PM IST.", "Call by six PM India Standard Time."),
    ("en-US", "M-F 9-5 EST.", "Monday to Friday nine to five Eastern Standard Time."),
    ("en-US", "Open 9:00-17:00 ET.", "Open nine AM to five PM Eastern Time."),
])
def test_a_time_zone_after_a_time_is_said_by_name(language, written, spoken):
    _reads(language, written, spoken)


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-US", "Open 10 a.m and closed later.", "Open ten AM and closed later."),
    ("en-US", "Closes at 5 p.m", "Closes at five PM"),
    ("en-US", "Our ET team", "Our ET team"),  # no time before it: as written
    ("en-US", "PST is our zone.", "PST is our zone."),
    ("en-GB", "Call by 5 PM IST.", "Call by five PM IST."),  # India's or Ireland's: as written
    ("es-US", "Llame a las 5 p.m. EST.", "Llame a las cinco de la tarde EST."),  # English names only
])
def test_a_time_without_its_last_dot_is_still_a_time(language, written, spoken):
    _reads(language, written, spoken)


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-US", "Call 1-800-FLOWERS now.", "Call one, eight hundred, Flowers now."),
    ("en-US", "Call 1-888-GO-FEDEX now.", "Call one, eight eight eight, Go Fedex now."),
    ("en-US", "Dial 1-800-GO-USPS.", "Dial one, eight hundred, Go Usps."),
    ("en-US", "Call 1-877-KARS-4-KIDS.", "Call one, eight seven seven, Kars four Kids."),
])
def test_vanity_numbers_say_the_digits_then_the_word(language, written, spoken):
    _reads(language, written, spoken)


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-IN", "Pay ₹1,50,000 today.", "Pay one lakh fifty thousand rupees today."),
    ("en-IN", "A loan of Rs. 2.5 lakh.", "A loan of two point five lakh rupees."),
    ("en-IN", "Pay Rs 500 now.", "Pay five hundred rupees now."),
    ("en-IN", "A fee of ₹99.50 applies.", "A fee of ninety-nine rupees and fifty paise applies."),
    ("en-IN", "Win ₹1 crore!", "Win one crore rupees!"),
    ("en-IN", "Up to 1 crore.", "Up to one crore."),
    ("en-IN", "₹2,00,00,000", "two crore rupees"),
    ("en-IN", "1,50,000 customers", "one lakh fifty thousand customers"),
    ("en-IN", "INR 2,500", "two thousand five hundred rupees"),
    ("en-IN", "Rs.1,00,000", "one lakh rupees"),
    ("en-IN", "Fees ₹500-1,000 apply.", "Fees five hundred to one thousand rupees apply."),
    ("en-IN", "A ₹10 fee", "A ten rupee fee"),
    ("es-ES", "₹100", "cien rupias"),
    ("en-GB", "Rs. 500", "Rs. five hundred"),  # only India's English writes the rupee so
])
def test_indian_amounts_in_lakh_and_crore(language, written, spoken):
    _reads(language, written, spoken)


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-IN", "Your OTP is 482913.", "Your OTP is four eight two nine one three."),
    ("en-US", "Your one-time code is 0427.", "Your one-time code is zero four two seven."),
    ("en-US", "Your verification code is 553120.", "Your verification code is five five three one two zero."),
    ("en-IN", "PIN code 560001.", "PIN code five six zero zero zero one."),
    ("en-US", "Enter your OTP now.", "Enter your OTP now."),
])
def test_one_time_codes_are_said_digit_by_digit(language, written, spoken):
    _reads(language, written, spoken)


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-AU", "Call 1300 123 456 today.", "Call thirteen hundred, one two three, four five six today."),
    ("en-AU", "Call 1800 123 456.", "Call eighteen hundred, one two three, four five six."),
    ("en-AU", "Ring 13 22 11.", "Ring thirteen, twenty-two, eleven."),
    ("en-AU", "1300 people came", "one thousand three hundred people came"),  # a quantity stays one
])
def test_australian_local_rate_and_free_call_numbers(language, written, spoken):
    _reads(language, written, spoken)


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-US", "Pizza w/ cheese, w/o onions.", "Pizza with cheese, without onions."),
    ("en-US", "Email us @ the desk.", "Email us at the desk."),
    ("en-US", "3 tickets @ $5 each", "three tickets at five dollars each"),
    ("en-US", "Thanks for calling AT&T.", "Thanks for calling A T and T."),
    ("en-US", "Visit our Q&A page.", "Visit our Q and A page."),
    ("en-US", "Our R&D team", "Our R and D team"),
    ("en-US", "Only 99¢ a minute.", "Only ninety-nine cents a minute."),
    ("en-US", "Just 1¢ more.", "Just one cent more."),
    ("en-US", "Write to help@example.com today.", "Write to help at example dot com today."),
])
def test_signs_in_prose(language, written, spoken):
    _reads(language, written, spoken)


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-US", "Wait time is 2h 30m.", "Wait time is two hours thirty minutes."),
    ("en-US", "About 1h 5m left.", "About one hour five minutes left."),
    ("en-US", "It costs 10 cents per min.", "It costs ten cents per minute."),
    ("en-US", "Earn 5X points.", "Earn five times points."),
    ("en-US", "Earn 2x the miles.", "Earn two times the miles."),
    ("es-ES", "Su DNI termina en 45X.", "Su DNI termina en cuarenta y cinco X."),  # a letter, not "veces"
    ("en-US", "A $10 fee applies.", "A ten dollar fee applies."),
    ("en-US", "There is an $18 charge.", "There is an eighteen dollar charge."),
    ("en-US", "Pay $10 now.", "Pay ten dollars now."),  # no article: a sum, plural
    ("en-US", "A $9.99 charge applies.", "A nine dollars and ninety-nine cents charge applies."),  # chosen: kept whole
])
def test_durations_multipliers_and_amounts_before_a_noun(language, written, spoken):
    _reads(language, written, spoken)


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-US", "Card ****1234 was charged.", "Card ending in one two three four was charged."),
    ("en-US", "SSN XXX-XX-1234 on file.", "SSN ending in one two three four on file."),
    ("en-US", "Account xxxx-xxxx-xxxx-9876.", "Account ending in nine eight seven six."),
    ("en-US", "Card ending in ****1234.", "Card ending in one two three four."),
    ("en-US", "Press * to go back.", "Press star to go back."),
])
def test_masked_numbers_say_only_the_visible_digits(language, written, spoken):
    _reads(language, written, spoken)


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-US", "Your order #12345 shipped.", "Your order number one two three four five shipped."),
    ("en-US", "Your case no. 4567 is open.", "Your case number four five six seven is open."),
    ("en-US", "Your claim ID 98765 is open.", "Your claim ID nine eight seven six five is open."),
    ("en-US", "A min. balance of $5 and max. withdrawal.",
     "A minimum balance of five dollars and maximum withdrawal."),
    ("en-US", "Wait 5 min. please.", "Wait five minutes please."),
    ("en-US", "Just a min. please.", "Just a minute please."),  # not "a minimum please"
    ("en-US", "Wait a min. Thanks.", "Wait a minute. Thanks."),
    ("en-US", "Max. two per caller.", "Maximum two per caller."),
    ("en-US", "Say yes or no. Thanks.", "Say yes or no. Thanks."),
    ("en-US", "File Form 1040 or a 401(k).", "File Form ten forty or a four oh one k."),
    ("en-US", "Send Form 1099 and your 403(b) details.", "Send Form ten ninety-nine and your four oh three b details."),
    ("en-US", "A 501(c)(3) charity", "A five oh one c three charity"),
    ("en-US", "Press 1 for Form 1040-X.", "Press one for Form ten forty X."),
    ("en-US", "Mail your Form 1040.", "Mail your Form ten forty."),
    ("en-US", "We had 1040 calls.", "We had one thousand forty calls."),  # no form: a quantity
])
def test_labels_abbreviations_and_forms(language, written, spoken):
    _reads(language, written, spoken)


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-US", "Open 9:00-17:00 daily.", "Open nine AM to five PM daily."),
    ("en-US", "Open 8:30-16:30.", "Open eight thirty AM to four thirty PM."),
    ("en-US", "Open between 9:00 and 17:00 ET.", "Open between nine AM and five PM Eastern Time."),
    ("en-GB", "Closes 17:00-9:00.", "Closes five PM to nine AM."),
    ("en-US", "At 9:00 and 17:00 daily", "At nine o'clock and five PM daily"),  # two times, no range
])
def test_a_range_of_24_hour_times_says_both_with_to(language, written, spoken):
    _reads(language, written, spoken)


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-US", "Go to Room 5 PST.", "Go to Room five PST."),  # was "Room five Pacific Standard Time"
    ("en-US", "Board at Gate 12 CST.", "Board at Gate twelve CST."),
    ("en-US", "We sold 40 ET units.", "We sold forty ET units."),
    ("en-US", "Flight 7 (ET) is late.", "Flight seven (ET) is late."),
])
def test_a_zone_after_a_count_or_a_label_is_no_zone(language, written, spoken):
    _reads(language, written, spoken)


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("en-US", "Open at noon ET.", "Open at noon Eastern Time."),  # was "noon ET"
    ("en-US", "Closed until midnight PT.", "Closed until midnight Pacific Time."),
    ("en-US", "Open 9 a.m. (ET).", "Open nine AM (Eastern Time)."),  # was "(ET)"
    ("en-US", "Open 9 a.m. to 5 p.m. (ET).", "Open nine AM to five PM (Eastern Time)."),
    ("en-US", "Open 9:30 (ET) daily.", "Open nine thirty (Eastern Time) daily."),
    ("en-US", "Open 9:00-17:00 (CT).", "Open nine AM to five PM (Central Time)."),
    ("en-US", "M-F 9-5 (EST).", "Monday to Friday nine to five (Eastern Standard Time)."),
    ("en-US", "Lines open from 8 ET.", "Lines open from eight Eastern Time."),
    ("en-US", "Call us at noon (PT).", "Call us at noon (Pacific Time)."),
])
def test_a_zone_right_after_a_time_or_noon_is_said_by_name(language, written, spoken):
    _reads(language, written, spoken)


@pytest.mark.parametrize(("language", "written", "spoken"), [
    # a letter after a label's number names a unit, seat or line, never thousands or billions
    ("en-US", "Apartment 4B is ready.", "Apartment four B is ready."),  # was "four billion is ready"
    ("en-US", "Go to Apt 12B.", "Go to Apt twelve B."),
    ("en-US", "Seat 14K has power.", "Seat fourteen K has power."),
    ("en-US", "See line 2B.", "See line two B."),
    ("en-US", "Gate 3M, then Gate 4K.", "Gate three M, then Gate four K."),
    ("en-US", "We shipped 2M units.", "We shipped two million units."),  # a count: as the docs read it
    ("en-US", "We passed 1M. Thanks.", "We passed one million. Thanks."),
    ("en-US", "Call 2K now.", "Call two K now."),
    ("en-US", "Your desk is in 4B.", "Your desk is in four B."),  # a place ending the clause
])
def test_a_letter_after_a_labels_number_is_no_multiplier(language, written, spoken):
    _reads(language, written, spoken)


@pytest.mark.parametrize(("language", "written", "spoken"), [
    # a retirement plan written without its brackets, as "401(k)" is said (was "four hundred one thousand")
    ("en-US", "Roll over your 401k.", "Roll over your four oh one k."),
    ("en-US", "Most 401k plans match.", "Most four oh one k plans match."),
    ("en-US", "Your 403b and 457b accounts", "Your four oh three b and four fifty-seven b accounts"),
    ("en-US", "Over 400k callers.", "Over four hundred thousand callers."),  # a count
])
def test_a_retirement_plan_without_brackets_is_a_plan(language, written, spoken):
    _reads(language, written, spoken)


@pytest.mark.parametrize(("written", "spoken"), [
    # a password is digits, as a PIN is: were "one thousand two hundred thirty-four", "two thousand five
    # hundred eighty" (FreeSWITCH's phrase list: "A password such as '1111' or '1234' is not secure.")
    ("Your password is 1234.", "Your password is one two three four."),
    ("A password such as '1111' or '1234' is not secure.",
     "A password such as 'one one one one' or 'one two three four' is not secure."),
    ("Your passcode, for example 2580, is set.", "Your passcode, for example two five eight zero, is set."),
    ('Your code is "4821".', 'Your code is "four eight two one".'),
    # unchanged: counts
    ("The number of callers is 4000.", "The number of callers is four thousand."),
    ("It has 1200 pins.", "It has one thousand two hundred pins."),
])
def test_passwords_and_quoted_examples_are_read_digit_by_digit(written, spoken):
    assert normalize(written, "en-US") == spoken


@pytest.mark.parametrize(("language", "written", "spoken"), [
    # were "mil doscientos treinta y cuatro", "viertausendachthunderteinundzwanzig", "quatre mille huit cent vingt et un"
    ("es-US", "Su contraseña es 1234.", "Su contraseña es uno dos tres cuatro."),
    ("de-DE", "Ihr Passwort lautet 4821.", "Ihr Passwort lautet vier acht zwei eins."),
    ("de-DE", "Ihre Geheimzahl lautet 4821.", "Ihre Geheimzahl lautet vier acht zwei eins."),
    ("fr-FR", "Votre mot de passe est 4821.", "Votre mot de passe est quatre huit deux un."),
    ("fr-CA", "Votre NIP est 4821.", "Votre NIP est quatre huit deux un."),
])
def test_passwords_in_other_languages_are_read_digit_by_digit(language, written, spoken):
    assert normalize(written, language) == spoken
