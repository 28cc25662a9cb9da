"""Units of measure per language: symbol -> (singular, plural, feminine), read by spoken.replace_units
("5 km" -> "five kilometers", "250 kWh" -> "zweihundertfünfzig Kilowattstunden")."""

from __future__ import annotations

_EN_UNITS = {
    # Meters' and networks' units that bills and offers print: energy, area, volume, bandwidth.
    "kWh": ("kilowatt-hour", "kilowatt-hours", False), "MWh": ("megawatt-hour", "megawatt-hours", False),
    "m²": ("square meter", "square meters", False), "m³": ("cubic meter", "cubic meters", False),
    "Mbps": ("megabit per second", "megabits per second", False),
    "Mbit/s": ("megabit per second", "megabits per second", False),
    "Gbps": ("gigabit per second", "gigabits per second", False),
    "Gbit/s": ("gigabit per second", "gigabits per second", False),
    "km": ("kilometer", "kilometers", False), "m": ("meter", "meters", False),
    "cm": ("centimeter", "centimeters", False), "mm": ("millimeter", "millimeters", False),
    "kg": ("kilogram", "kilograms", False), "g": ("gram", "grams", False), "mg": ("milligram", "milligrams", False),
    "l": ("liter", "liters", False), "L": ("liter", "liters", False), "ml": ("milliliter", "milliliters", False),
    "mL": ("milliliter", "milliliters", False), "km/h": ("kilometer per hour", "kilometers per hour", False),
    "mph": ("mile per hour", "miles per hour", False), "mi": ("mile", "miles", False),
    "lb": ("pound", "pounds", False), "lbs": ("pound", "pounds", False), "oz": ("ounce", "ounces", False),
    "ft": ("foot", "feet", False), "in": ("inch", "inches", False),
    "°C": ("degree Celsius", "degrees Celsius", False), "°F": ("degree Fahrenheit", "degrees Fahrenheit", False),
    "°": ("degree", "degrees", False), "KB": ("kilobyte", "kilobytes", False), "kB": ("kilobyte", "kilobytes", False),
    "MB": ("megabyte", "megabytes", False), "GB": ("gigabyte", "gigabytes", False),
    "TB": ("terabyte", "terabytes", False), "ms": ("millisecond", "milliseconds", False),
    "h": ("hour", "hours", False), "min": ("minute", "minutes", False), "s": ("second", "seconds", False),
    "kHz": ("kilohertz", "kilohertz", False), "Hz": ("hertz", "hertz", False), "kW": ("kilowatt", "kilowatts", False),
    # Technical documentation's units: timings, clock rates, binary sizes, throughput. "µs" in both
    # spellings (the micro sign U+00B5 and Greek mu U+03BC, which NFC keeps apart).
    "ns": ("nanosecond", "nanoseconds", False), "µs": ("microsecond", "microseconds", False),
    "\u03bcs": ("microsecond", "microseconds", False), "MHz": ("megahertz", "megahertz", False),
    "GHz": ("gigahertz", "gigahertz", False), "KiB": ("kibibyte", "kibibytes", False),
    "MiB": ("mebibyte", "mebibytes", False), "GiB": ("gibibyte", "gibibytes", False),
    "TiB": ("tebibyte", "tebibytes", False), "KB/s": ("kilobyte per second", "kilobytes per second", False),
    "kB/s": ("kilobyte per second", "kilobytes per second", False),
    "MB/s": ("megabyte per second", "megabytes per second", False),
    "GB/s": ("gigabyte per second", "gigabytes per second", False),
    "fps": ("frame per second", "frames per second", False),
}
_ES_UNITS = {
    # Meters' and networks' units that bills and offers print: energy, area, volume, bandwidth.
    "kWh": ("kilovatio hora", "kilovatios hora", False), "MWh": ("megavatio hora", "megavatios hora", False),
    "m²": ("metro cuadrado", "metros cuadrados", False), "m³": ("metro cúbico", "metros cúbicos", False),
    "Mbps": ("megabit por segundo", "megabits por segundo", False),
    "Mb/s": ("megabit por segundo", "megabits por segundo", False),
    "Gbps": ("gigabit por segundo", "gigabits por segundo", False),
    "Gb/s": ("gigabit por segundo", "gigabits por segundo", False),
    "km": ("kilómetro", "kilómetros", False), "m": ("metro", "metros", False),
    "cm": ("centímetro", "centímetros", False), "mm": ("milímetro", "milímetros", False),
    "kg": ("kilogramo", "kilogramos", False), "g": ("gramo", "gramos", False), "mg": ("miligramo", "miligramos", False),
    "l": ("litro", "litros", False), "L": ("litro", "litros", False), "ml": ("mililitro", "mililitros", False),
    "mL": ("mililitro", "mililitros", False), "km/h": ("kilómetro por hora", "kilómetros por hora", False),
    "°C": ("grado Celsius", "grados Celsius", False), "°F": ("grado Fahrenheit", "grados Fahrenheit", False),
    "°": ("grado", "grados", False), "KB": ("kilobyte", "kilobytes", False), "kB": ("kilobyte", "kilobytes", False),
    "MB": ("megabyte", "megabytes", False), "GB": ("gigabyte", "gigabytes", False),
    "TB": ("terabyte", "terabytes", False), "ms": ("milisegundo", "milisegundos", False),
    "h": ("hora", "horas", True), "min": ("minuto", "minutos", False), "s": ("segundo", "segundos", False),
    "kHz": ("kilohercio", "kilohercios", False), "Hz": ("hercio", "hercios", False),
    "kW": ("kilovatio", "kilovatios", False),
}
_DE_UNITS = {
    # Meters' and networks' units that bills and offers print: energy, area, volume, bandwidth.
    "kWh": ("Kilowattstunde", "Kilowattstunden", True), "MWh": ("Megawattstunde", "Megawattstunden", True),
    "m²": ("Quadratmeter", "Quadratmeter", False), "m³": ("Kubikmeter", "Kubikmeter", False),
    "Mbit/s": ("Megabit pro Sekunde", "Megabit pro Sekunde", False),
    "Mbps": ("Megabit pro Sekunde", "Megabit pro Sekunde", False),
    "Gbit/s": ("Gigabit pro Sekunde", "Gigabit pro Sekunde", False),
    "Gbps": ("Gigabit pro Sekunde", "Gigabit pro Sekunde", False),
    "ct": ("Cent", "Cent", False),
    "km": ("Kilometer", "Kilometer", False), "m": ("Meter", "Meter", False),
    "cm": ("Zentimeter", "Zentimeter", False), "mm": ("Millimeter", "Millimeter", False),
    "kg": ("Kilogramm", "Kilogramm", False), "g": ("Gramm", "Gramm", False), "mg": ("Milligramm", "Milligramm", False),
    "l": ("Liter", "Liter", False), "L": ("Liter", "Liter", False), "ml": ("Milliliter", "Milliliter", False),
    "mL": ("Milliliter", "Milliliter", False), "km/h": ("Kilometer pro Stunde", "Kilometer pro Stunde", False),
    "°C": ("Grad Celsius", "Grad Celsius", False), "°F": ("Grad Fahrenheit", "Grad Fahrenheit", False),
    "°": ("Grad", "Grad", False), "KB": ("Kilobyte", "Kilobyte", False), "kB": ("Kilobyte", "Kilobyte", False),
    "MB": ("Megabyte", "Megabyte", False), "GB": ("Gigabyte", "Gigabyte", False),
    "TB": ("Terabyte", "Terabyte", False), "ms": ("Millisekunde", "Millisekunden", True),
    "h": ("Stunde", "Stunden", True), "min": ("Minute", "Minuten", True), "s": ("Sekunde", "Sekunden", True),
    "kHz": ("Kilohertz", "Kilohertz", False), "Hz": ("Hertz", "Hertz", False), "kW": ("Kilowatt", "Kilowatt", False),
}
_FR_UNITS = {
    # Meters' and networks' units that bills and offers print: energy, area, volume, bandwidth.
    "kWh": ("kilowattheure", "kilowattheures", False), "MWh": ("mégawattheure", "mégawattheures", False),
    "m²": ("mètre carré", "mètres carrés", False), "m³": ("mètre cube", "mètres cubes", False),
    "Mb/s": ("mégabit par seconde", "mégabits par seconde", False),
    "Mbit/s": ("mégabit par seconde", "mégabits par seconde", False),
    "Mbps": ("mégabit par seconde", "mégabits par seconde", False),
    "Gb/s": ("gigabit par seconde", "gigabits par seconde", False),
    "Gbit/s": ("gigabit par seconde", "gigabits par seconde", False),
    "Gbps": ("gigabit par seconde", "gigabits par seconde", False),
    "km": ("kilomètre", "kilomètres", False), "m": ("mètre", "mètres", False),
    "cm": ("centimètre", "centimètres", False), "mm": ("millimètre", "millimètres", False),
    "kg": ("kilogramme", "kilogrammes", False), "g": ("gramme", "grammes", False),
    "mg": ("milligramme", "milligrammes", False), "l": ("litre", "litres", False), "L": ("litre", "litres", False),
    "ml": ("millilitre", "millilitres", False), "mL": ("millilitre", "millilitres", False),
    "km/h": ("kilomètre par heure", "kilomètres par heure", False),
    "°C": ("degré Celsius", "degrés Celsius", False), "°F": ("degré Fahrenheit", "degrés Fahrenheit", False),
    "°": ("degré", "degrés", False), "Ko": ("kilooctet", "kilooctets", False), "KB": ("kilooctet", "kilooctets", False),
    "Mo": ("mégaoctet", "mégaoctets", False), "MB": ("mégaoctet", "mégaoctets", False),
    "Go": ("gigaoctet", "gigaoctets", False), "GB": ("gigaoctet", "gigaoctets", False),
    "To": ("téraoctet", "téraoctets", False), "TB": ("téraoctet", "téraoctets", False),
    "ms": ("milliseconde", "millisecondes", True), "min": ("minute", "minutes", True),
    "s": ("seconde", "secondes", True), "kHz": ("kilohertz", "kilohertz", False), "Hz": ("hertz", "hertz", False),
    "kW": ("kilowatt", "kilowatts", False),
}

UNITS = {"en": _EN_UNITS, "es": _ES_UNITS, "de": _DE_UNITS, "fr": _FR_UNITS}
