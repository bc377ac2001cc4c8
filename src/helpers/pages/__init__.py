"""Building the pages the committee reads.

Takes the run's figures (``helpers.figures.run_data.RunData``) and gives the section
pieces a notebook displays (``sections``), the charts, the words in each language
(``i18n``), the index, the methods page and the PDF edition. Notebooks import
``helpers.pages.sections`` only. Never opens the dataset or the reference folder.
"""
