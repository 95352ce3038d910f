import django_filters

from createpdf.models import Document


class DocumentFilter(django_filters.FilterSet):
    template = django_filters.CharFilter(field_name="template_slug")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Document
        fields = ["status", "template", "created_after", "created_before"]
