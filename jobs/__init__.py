"""The scheduled service: ``tracker run``'s scheduler (``service``), the weekly report's trigger
(``weekly_trigger``) and the jobs it runs (``refresh``, ``weekly``, ``outbox``).

The jobs call the library in ``tracker``; ``tracker`` imports nothing from here except where
``tracker run`` starts the service.
"""
